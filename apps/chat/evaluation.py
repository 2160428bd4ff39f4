"""Evaluation of the assistant on a JSONL file of cases (docs/contract.md "Evaluation file format").

Each case runs through the real pipeline (`pipeline.ask`, a fresh conversation each) as its user;
the gold SQL, when present, runs through the same guard and read-only executor under an
unrestricted evaluation policy, and the two results are compared as the contract says: multisets
of rows (order only when the gold SQL has ORDER BY), numbers within 1e-6 relative tolerance,
column names ignored.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apps.chat.engine.offline.result_match import gold_is_ordered, results_match
from apps.chat.pipeline import ask
from apps.governance.engine.errors import SqlRefusal
from apps.governance.engine.executor import execute
from apps.governance.engine.guard import guard_sql
from apps.governance.engine.policy import DataPolicy
from apps.governance.selectors import membership_get, organization_get
from apps.governance.services import full_access_role
from apps.knowledge.query_context import query_context
from apps.knowledge.selectors import catalog_snapshot, datasource_get
from datachat.contract import ANSWERED_TYPES, DATA_ANSWER_TYPES, DATA_INTENTS


@dataclass(frozen=True)
class Case:
    id: str
    question: str
    org: str = "acme"
    user: str = "analista"
    gold_sql: str | None = None
    intent: str | None = None
    expect: str = "answer"
    must_mention: tuple[str, ...] = ()
    must_cite: tuple[str, ...] = ()
    # Insights (docs/insights.md): the answer type wanted ("HYBRID"), and for a why-question the
    # decomposition's checks: {"gold_change_sql": one row (value A, value B), "top": [{"column":
    # "ventas.categoria", "gold_sql": the value that contributes most, first row}]}.
    answer_type: str | None = None
    decomposition: dict[str, Any] | None = None
    # What the whole pipeline must answer when it differs from `expect` (which the engine-level
    # tests read): a question naming a value of a table the caller may not see is asked back
    # through the caller's catalog (apps/chat/semantic_cache.py), where the engine alone, on the
    # full catalog, writes SQL the guard refuses. Each such case says why in its `note`.
    expect_pipeline: str | None = None


@dataclass
class CaseResult:
    case: Case
    answer_type: str
    intent: str | None
    ok: bool
    intent_ok: bool | None
    confidently_wrong: bool
    reason: str
    ms: float
    sql: str | None = None


@dataclass
class Summary:
    results: list[CaseResult] = field(default_factory=list)

    def _share(self, items: list[bool]) -> float:
        return sum(items) / len(items) if items else 1.0

    @property
    def accuracy(self) -> float:
        return self._share([r.ok for r in self.results])

    def accuracy_of(self, expect: str) -> float:
        return self._share([r.ok for r in self.results if r.case.expect == expect])

    @property
    def execution_accuracy(self) -> float:
        return self._share([r.ok for r in self.results if r.case.gold_sql])

    @property
    def intent_accuracy(self) -> float:
        return self._share([r.intent_ok for r in self.results if r.intent_ok is not None])

    @property
    def routing_accuracy(self) -> float:
        """Coarse routing: schema / data / ambiguous (what the product is judged on)."""
        checks = [
            _route(r.intent) == _route(r.case.intent)
            for r in self.results
            if r.case.intent and r.intent
        ]
        return self._share(checks)

    @property
    def confidently_wrong(self) -> int:
        return sum(r.confidently_wrong for r in self.results)


def _route(intent: str | None) -> str:
    if intent == "SCHEMA":
        return "schema"
    if intent in DATA_INTENTS:
        return "data"
    return "ambiguous"


def load_cases(path: str | Path) -> list[Case]:
    """Read a JSONL evaluation file; blank lines are skipped, bad lines raise with their number."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            expect = raw.get("expect") or ("answer" if raw.get("gold_sql") else "answer")
            cases.append(
                Case(
                    id=str(raw.get("id", number)),
                    question=raw["question"],
                    org=raw.get("org") or "acme",
                    user=raw.get("user") or "analista",
                    gold_sql=raw.get("gold_sql"),
                    intent=raw.get("intent"),
                    expect=expect,
                    must_mention=tuple(raw.get("must_mention") or ()),
                    must_cite=tuple(raw.get("must_cite") or ()),
                    answer_type=raw.get("answer_type"),
                    decomposition=raw.get("decomposition"),
                    expect_pipeline=raw.get("expect_pipeline"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a valid case ({exc})") from exc
    return cases


def evaluate_cases(cases: Iterable[Case]) -> Iterator[CaseResult]:
    """Run each case through the pipeline and judge it; yields one result per case, in order."""
    for case in cases:
        yield _evaluate(case)


def _evaluate(case: Case) -> CaseResult:
    org = organization_get(slug=case.org)
    membership = membership_get(org=org, username=case.user) if org else None
    if membership is None:
        return CaseResult(case, "ERROR", None, False, None, False, "unknown org/user", 0.0)
    started = time.perf_counter()
    answer = ask(membership=membership, question=case.question, channel="eval")
    ms = (time.perf_counter() - started) * 1000
    got_intent = (answer.get("intent") or {}).get("type")
    intent_ok = None if not case.intent else got_intent == case.intent
    ok, reason = _judge(case, answer, membership)
    wrong = (not ok) and answer["type"] in ANSWERED_TYPES and case.expect != "answer"
    if not ok and case.expect == "answer" and answer["type"] in DATA_ANSWER_TYPES:
        wrong = True  # a table was shown, and it was the wrong one
    return CaseResult(
        case, answer["type"], got_intent, ok, intent_ok, wrong, reason, ms, answer.get("sql")
    )


def _judge(case: Case, answer: dict[str, Any], membership) -> tuple[bool, str]:  # noqa: ANN001
    kind = answer["type"]
    expect = case.expect_pipeline or case.expect
    if expect == "clarify":
        return (kind == "CLARIFY", f"expected CLARIFY, got {kind}")
    if expect == "refuse":
        return (kind == "REFUSED", f"expected REFUSED, got {kind}")
    if kind in ("CLARIFY", "REFUSED", "ERROR"):
        return (
            False,
            f"expected an answer, got {kind}: {(answer.get('error') or {}).get('code', '')}",
        )
    if case.answer_type and kind != case.answer_type:
        return False, f"expected a {case.answer_type} answer, got {kind}"
    if kind == "HYBRID" and not (answer.get("sources") and answer.get("columns")):
        return False, "HYBRID answer without its sources or its data"
    if case.decomposition is not None:
        ok, reason = _judge_decomposition(case.decomposition, answer, membership)
        if not ok:
            return ok, reason
    text = (answer.get("answer") or "").lower()
    missing = [m for m in case.must_mention if m.lower() not in text]
    if missing:
        return False, f"answer does not mention {missing}"
    titles = [s.get("title", "") for s in answer.get("sources") or []]
    if case.must_cite and not all(
        any(c.lower() in t.lower() for t in titles) for c in case.must_cite
    ):
        return False, f"sources {titles} miss {list(case.must_cite)}"
    if (case.must_mention or case.must_cite) and not answer.get("sources") and kind == "RAG":
        return False, "RAG answer without a source"
    if not case.gold_sql:
        return True, ""
    try:
        gold_rows = run_gold(case.gold_sql, membership)
    except SqlRefusal as exc:
        return False, f"gold SQL failed: {exc.code}"
    ordered = gold_is_ordered(case.gold_sql)
    if results_match(gold_rows, answer.get("rows") or [], ordered=ordered):
        return True, ""
    return False, "result differs from the gold SQL"


def _judge_decomposition(
    expected: dict[str, Any],
    answer: dict[str, Any],
    membership,  # noqa: ANN001
) -> tuple[bool, str]:
    """A why-answer: its parts add up to the change exactly, the change is the gold one (to the
    decomposition's precision) and, per named dimension, the top contributor is the gold one."""
    from decimal import Decimal

    from apps.chat.engine.decompose import parts_add_up

    found = answer.get("decomposition")
    if not found:
        return False, "no decomposition in the answer"
    if not parts_add_up(found):
        return False, "the contributions do not add up to the total change"
    if expected.get("gold_change_sql"):
        try:
            gold = run_gold(expected["gold_change_sql"], membership)
        except SqlRefusal as exc:
            return False, f"gold SQL failed: {exc.code}"
        value_a, value_b = (Decimal(str(v or 0)) for v in gold[0][:2])
        half = Decimal(1).scaleb(-int(found.get("precision", 2))) / 2
        for got, want in ((found["value_a"], value_a), (found["value_b"], value_b)):
            if abs(Decimal(str(got)) - want) > half + abs(want) * Decimal("1e-9"):
                return False, f"period value {got} differs from the gold {want}"
    for top in expected.get("top") or []:
        parts = [c for c in found["contributions"] if c["column"] == top["column"]]
        if not parts:
            return False, f"no contributions along {top['column']}"
        try:
            gold = run_gold(top["gold_sql"], membership)
        except SqlRefusal as exc:
            return False, f"gold SQL failed: {exc.code}"
        if str(parts[0]["value"]) != str(gold[0][0]):
            return False, f"top contributor {parts[0]['value']} is not the gold {gold[0][0]}"
    return True, ""


def run_gold(sql: str, membership) -> list[list[Any]]:  # noqa: ANN001
    """The gold SQL through the guard and executor with an unrestricted evaluation policy."""
    source = datasource_get(org=membership.organization)
    catalog = catalog_snapshot(data_source=source)
    policy = DataPolicy(
        # On a source with per-role database roles the gold SQL runs as the role that reads
        # every table (ADMIN by default).
        role=full_access_role(),
        can_query=True,
        allowed_tables=frozenset(t.name for t in catalog.tables),
        masked_columns=frozenset(),
        row_cap=100_000,
        count_cap=100_000,
        timeout_ms=30_000,
    )
    context = query_context(
        membership=membership, source=source, policy=policy, check_restricted=False
    )
    guarded = guard_sql(sql, dialect=source.dialect, schema=catalog.schema_mapping(), policy=policy)
    result = execute(guarded, source=context.connection)
    return [list(row) for row in result.rows]


def summary_table(summary: Summary) -> str:
    """The summary as a fixed-width table for terminals."""
    by_expect = Counter(r.case.expect for r in summary.results)
    rows = [
        ("cases", f"{len(summary.results)}"),
        ("overall accuracy", f"{summary.accuracy:.1%}"),
        ("execution accuracy (gold SQL)", f"{summary.execution_accuracy:.1%}"),
        ("answers correct", f"{summary.accuracy_of('answer'):.1%} of {by_expect['answer']}"),
        ("clarify correct", f"{summary.accuracy_of('clarify'):.1%} of {by_expect['clarify']}"),
        ("refuse correct", f"{summary.accuracy_of('refuse'):.1%} of {by_expect['refuse']}"),
        ("intent accuracy", f"{summary.intent_accuracy:.1%}"),
        ("routing accuracy (schema/data/ambiguous)", f"{summary.routing_accuracy:.1%}"),
        ("confidently wrong", f"{summary.confidently_wrong}"),
    ]
    width = max(len(k) for k, _ in rows)
    line = "-" * (width + 16)
    return "\n".join([line] + [f"{k:<{width}}  {v:>12}" for k, v in rows] + [line])
