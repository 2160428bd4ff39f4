"""`manage.py gaps_trial`: the steward's loop tried on a public database, end to end.

    manage.py gaps_trial --corpus tests/eval/foreign --only car_1 [--lang en] [--top 15]
    manage.py gaps_trial --corpus tests/eval/foreign --only car_1 --fixes FIXES.yaml [--output F]

A schema-only evaluation org (`foreign-<db>-gaps`, as `manage.py evaluate --variant gaps`) asks
every question of the database; the knowledge gaps those answers left are listed as the gaps page
lists them. With `--fixes`, each fix of the file is applied to its gap through the same services
the gaps page's buttons call (a synonym, a metric or a verified example: previewed, saved,
versioned, audited, the gap's questions re-asked), by a steward created for the run and removed
after it; then every question is asked again and scored. docs/knowledge-gaps.md has the format of
the fixes file and a run's figures.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.chat.evaluation_foreign import (
    ForeignResult,
    ForeignSummary,
    corpus_databases,
    evaluate_foreign,
    foreign_org_prepare,
    foreign_summary_table,
    load_foreign_cases,
)
from apps.chat.gap_record import gap_key
from apps.chat.gaps import (
    FixInvalid,
    fix_example,
    fix_metric,
    fix_synonym,
    gap_groups,
    gap_reask,
    metric_preview,
    query_preview,
    synonym_preview,
)
from apps.chat.models import Gap, GapFix
from apps.governance.cli import OneLineErrors
from apps.governance.models import Membership
from apps.governance.services import DEFAULT_POLICIES, membership_create
from apps.knowledge.selectors import datasource_get

VARIANT = "gaps"


class Command(OneLineErrors, BaseCommand):
    help = "Ask a public database's questions, list the knowledge gaps, apply fixes, ask again."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--corpus", required=True, help="folder of <db>/manifest.json")
        parser.add_argument("--only", required=True, help="the database (e.g. car_1)")
        parser.add_argument("--lang", choices=("en", "es"), default=None)
        parser.add_argument("--top", type=int, default=15, help="gaps listed")
        parser.add_argument("--fixes", help="YAML list of fixes (docs/knowledge-gaps.md)")
        parser.add_argument("--output", help="write the before/after figures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            database = corpus_databases(options["corpus"], [options["only"]])[0]
            cases = load_foreign_cases(database.cases_path, lang=options["lang"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        membership = foreign_org_prepare(database, variant=VARIANT)
        org = membership.organization
        Gap.all_tenants.for_org(org).delete()
        GapFix.all_tenants.for_org(org).delete()
        before = self._ask(database, cases, membership, "before")
        self._list_gaps(org, options["top"])
        report: dict[str, Any] = {"database": database.name, "cases": len(cases)}
        report["before"] = before.counts()
        if options["fixes"]:
            fixes = yaml.safe_load(Path(options["fixes"]).read_text(encoding="utf-8")) or []
            started = time.perf_counter()
            report["fixes"] = self._apply(org, database.name, fixes)
            report["fix_seconds"] = round(time.perf_counter() - started, 1)
            asked_again = timezone.now()
            after = self._ask(database, cases, membership, "after")
            report["after"] = after.counts()
            self.stdout.write(foreign_summary_table(after))
            self._list_gaps(org, options["top"], since=asked_again)
            changed = _changed(before.results, after.results)
            report["changed"] = changed
            for line in changed:
                self.stdout.write(f"  {line['outcome_before']} → {line['outcome_after']}: "
                                  f"{line['question']}")  # fmt: skip
        if options["output"]:
            Path(options["output"]).write_text(
                json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
            )

    def _ask(self, database, cases, membership, label: str) -> ForeignSummary:  # noqa: ANN001
        summary = ForeignSummary()
        started = time.perf_counter()
        summary.results = list(evaluate_foreign(database, cases, membership))
        seconds = time.perf_counter() - started
        counts = summary.counts()
        self.stdout.write(
            f"{label}: {counts['right_strict']}/{counts['n']} right "
            f"({summary.accuracy:.1%}), asked back {counts['asked_back']}, "
            f"{seconds:.0f} s"
        )
        return summary

    def _list_gaps(self, org, top: int, since=None) -> None:  # noqa: ANN001
        self.stdout.write("knowledge gaps (most frequent first):")
        for group in gap_groups(org=org, days=1, since=since)[:top]:
            example = group.questions[0] if group.questions else ""
            self.stdout.write(f"  {group.count:>3}  {group.kind:<8} {group.text!r:<28} {example}")

    def _apply(self, org, source_name: str, fixes: list[dict]) -> list[dict]:  # noqa: ANN001
        source = datasource_get(org=org, name=source_name)
        username = f"{org.slug}-steward"
        steward, _ = membership_create(
            org=org, username=username, password=_random_password(), role=_steward_role()
        )
        steward = Membership.all_tenants.select_related("organization", "user").get(pk=steward.pk)
        applied = []
        try:
            for fix in fixes:
                applied.append(self._apply_one(org, source, steward, fix))
        finally:
            # The evaluation org keeps only its evaluator (foreign_org_prepare checks it).
            Membership.all_tenants.filter(pk=steward.pk).delete()
        return applied

    def _apply_one(self, org, source, steward, fix: dict) -> dict:  # noqa: ANN001
        key = gap_key(fix["gap"])
        gap = Gap.all_tenants.for_org(org).filter(key=key).order_by("-created_at").first()
        if gap is None:
            self.stdout.write(f"  no gap {fix['gap']!r}: skipped")
            return {"gap": fix["gap"], "applied": False}
        questions = [gap.message.question]
        try:
            if "synonym" in fix:
                where = dict(fix["synonym"])
                word = where.pop("word", gap.text)
                synonym_preview(source=source, questions=questions, word=word, **where)
                done = fix_synonym(membership=steward, gap=gap, source=source, word=word, **where)
            elif "metric" in fix:
                spec = dict(fix["metric"])
                metric_preview(
                    membership=steward, source=source, expression=spec["expression"],
                    table=spec["table"], lang="en",
                )  # fmt: skip
                done = fix_metric(membership=steward, gap=gap, source=source, lang="en", **spec)
            else:
                spec = dict(fix["example"])
                query_preview(membership=steward, source=source, sql=spec["sql"], lang="en")
                done = fix_example(membership=steward, gap=gap, source=source, lang="en", **spec)
        except FixInvalid as error:
            self.stdout.write(f"  {fix['gap']!r}: refused ({error.code}: {error.message})")
            return {"gap": fix["gap"], "applied": False, "error": error.code}
        done.refresh_from_db()
        if done.status == GapFix.Status.PENDING:  # a worker has it (or no commit yet): wait here
            done = gap_reask(fix_id=done.pk)
        self.stdout.write(
            f"  {done.action} {done.target}: {done.answered} of {done.asked} now answered"
        )
        return {
            "gap": fix["gap"],
            "applied": True,
            "action": done.action,
            "target": done.target,
            "asked": done.asked,
            "answered": done.answered,
        }


def _steward_role() -> str:
    """The role that curates knowledge without administering the org (the steward's)."""
    for role, spec in DEFAULT_POLICIES.items():
        if spec.get("can_edit_knowledge") and not spec.get("can_add_data"):
            return role
    raise CommandError("no default role edits knowledge")


def _random_password() -> str:
    import secrets

    return secrets.token_urlsafe(24)


def _changed(before: list[ForeignResult], after: list[ForeignResult]) -> list[dict]:
    return [
        {
            "id": b.case.id,
            "question": b.case.question,
            "outcome_before": b.outcome,
            "outcome_after": a.outcome,
        }
        for b, a in zip(before, after, strict=True)
        if b.outcome != a.outcome
    ]
