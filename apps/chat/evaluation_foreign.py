"""Evaluation on foreign databases: public schemas with third-party questions and gold SQL.

A foreign corpus (`tests/eval/foreign/`, or the shared one it was copied from) has one folder per
database: `<db>.sql.gz` (SQLite SQL text), `manifest.json` (sha256 of the SQL, rows per table),
`questions.jsonl` and `LICENSE.txt`. For each database this module

1. builds (or copies) the SQLite file under `DATACHAT_DATA_DIR/sources/<org-slug>/<db>.db`, where
   the product keeps the files of its SQLite data sources;
2. prepares an evaluation org `foreign-<db>` with that file as its default data source, the catalog
   refreshed from the file (schema only: no descriptions, synonyms, metrics or documents), and one
   user whose role's policy allows every table with no masking and no row filter: the figure is the
   engine's accuracy, not the effect of a policy;
3. asks every question through `pipeline.ask`, exactly as `manage.py ask` does, and re-executes the
   SQL the product ran on the same file, read-only, next to the case's gold SQL.

Scoring follows the corpus README (the comparison of its `build.accepts`, re-implemented here so
the product does not depend on the corpus folder): rows compared as multisets, row order ignored,
floats rounded to 4 places, column order ignored; a tie-dependent case also accepts the rows of
`gold_sql_all_ties`, or as many rows as the gold all drawn from them; an `expect: clarify` case is
right only when the product asks back. The lenient score also accepts an answer whose columns
include the gold's (extra columns allowed).

Each case gets exactly one outcome: `right` (strict), `right_lenient` (right only with extra
columns), `asked_back`, `refused`, `error`, `doc_answer` (a documentation answer to a data
question), or `confidently_wrong` (a table whose rows differ from the gold, even leniently, or a
table where the case expects the product to ask). The answer object has no hedge field today, so
every wrong table counts as confidently wrong.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
import math
import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from apps.chat.pipeline import ask
from apps.governance.models import AccessPolicy, Membership, Role
from apps.governance.services import membership_create, organization_create
from apps.knowledge.engine.semantic_file import SemanticFile, semantic_file_parse
from apps.knowledge.models import (
    CatalogForeignKey,
    CatalogTable,
    DataSource,
    Document,
    Metric,
    VerifiedExample,
)
from apps.knowledge.selectors import datasource_get
from apps.knowledge.semantic_layer import semantic_layer_import
from apps.knowledge.services import catalog_refresh, datasource_create
from datachat.contract import DATA_ANSWER_TYPES

OUTCOMES = (
    "right",
    "right_lenient",
    "asked_back",
    "refused",
    "error",
    "doc_answer",
    "confidently_wrong",
)
EVALUATION_USER_SUFFIX = "evaluator"
QUERY_SECONDS = 20.0  # a re-executed query (gold or product) taking longer is an error
_MAX_PROJECTIONS = 5000  # column subsets tried by the lenient score


# --- the corpus ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForeignCase:
    id: str
    question: str
    gold_sql: str
    lang: str = "en"
    expect: str = "answer"  # or "clarify"
    tie_dependent: bool = False
    gold_sql_all_ties: str | None = None


@dataclass(frozen=True)
class ForeignDatabase:
    """One database of a corpus: its name, its SQL dump (or a ready .db file) and its cases."""

    name: str
    path: Path  # <db>.sql.gz or <db>.db
    cases_path: Path
    manifest: dict[str, Any] | None = None


def load_foreign_cases(
    path: str | Path, *, lang: str | None = None, paraphrases: bool = False
) -> list[ForeignCase]:
    """Read a corpus `questions.jsonl`; `lang` keeps only that language (ids ending in `-es`, or a
    case's `lang`, are Spanish; the rest English). `paraphrases` keeps only the cases that carry
    a Spider-Syn paraphrase (`provenance.spider_syn_question`: the same question with its schema
    words replaced by synonyms) and asks that instead, as `<id>-syn`. Bad lines raise ValueError
    with their number."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            case_id = str(raw["id"])
            question = str(raw["question"])
            if paraphrases:
                question = str((raw.get("provenance") or {}).get("spider_syn_question") or "")
                if not question:
                    continue
                case_id += "-syn"
            case = ForeignCase(
                id=case_id,
                question=question,
                gold_sql=str(raw["gold_sql"]),
                lang=raw.get("lang") or ("es" if case_id.endswith("-es") else "en"),
                expect="clarify" if raw.get("expect") == "clarify" else "answer",
                tie_dependent=bool(raw.get("tie_dependent")),
                gold_sql_all_ties=raw.get("gold_sql_all_ties"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a valid case ({exc})") from exc
        if case.tie_dependent and not case.gold_sql_all_ties:
            raise ValueError(f"{path}:{number}: tie_dependent without gold_sql_all_ties")
        if lang is None or case.lang == lang:
            cases.append(case)
    return cases


def corpus_databases(directory: str | Path, only: Iterable[str] = ()) -> list[ForeignDatabase]:
    """The databases of a corpus folder (each subfolder with a manifest.json), by name."""
    root = Path(directory)
    wanted = set(only)
    found = []
    for manifest_path in sorted(root.glob("*/manifest.json")):
        folder = manifest_path.parent
        if wanted and folder.name not in wanted:
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        found.append(
            ForeignDatabase(
                name=folder.name,
                path=folder / manifest["dump"],
                cases_path=folder / "questions.jsonl",
                manifest=manifest,
            )
        )
    missing = wanted - {db.name for db in found}
    if missing:
        raise ValueError(f"no database {sorted(missing)} in {root}")
    if not found:
        raise ValueError(f"{root} holds no <db>/manifest.json")
    return found


def _dump_statements(text: str) -> Iterator[str]:
    """The dump's statements one by one (never `executescript`: one statement per call, as
    everywhere else in the product)."""
    pending: list[str] = []
    for line in text.splitlines(keepends=True):
        pending.append(line)
        candidate = "".join(pending)
        if sqlite3.complete_statement(candidate):
            pending = []
            if candidate.strip():
                yield candidate
    if "".join(pending).strip():
        raise ValueError("the dump ends inside a statement")


def sqlite_build_from_dump(
    dump: str | Path, target: str | Path, manifest: dict[str, Any] | None = None
) -> dict[str, int]:
    """Execute a gzip-compressed SQLite dump into `target` (replaced atomically); with a manifest,
    check the dump's sha256 and every table's row count. Returns the rows per table."""
    raw = gzip.decompress(Path(dump).read_bytes())
    if manifest and hashlib.sha256(raw).hexdigest() != manifest.get("sql_sha256"):
        raise ValueError(f"{dump}: sha256 of the SQL differs from its manifest")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp, isolation_level=None)  # the dump's own BEGIN/COMMIT hold
    try:
        for statement in _dump_statements(raw.decode("utf-8")):
            con.execute(statement)
        if con.in_transaction:
            con.execute("COMMIT")
        names = [
            name
            for (name,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {
            name: con.execute(
                f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"'
            ).fetchone()[0]
            for name in names
        }
    finally:
        con.close()
    expected = (manifest or {}).get("tables")
    if expected is not None and counts != expected:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"{dump}: rows per table {counts} differ from its manifest {expected}")
    os.replace(tmp, target)
    return counts


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def database_place(database: ForeignDatabase, slug: str) -> tuple[str, Path]:
    """Put the database's SQLite file under `DATA_DIR/sources/<slug>/` (built from the dump, or
    copied from a .db), unless the same content is already there. Returns the data source
    location (a file name inside the org's folder, the data-source location rule) and the
    absolute path."""
    location = f"{database.name}.db"
    target = Path(settings.DATA_DIR) / "sources" / slug / location
    marker = target.with_name(target.name + ".from")
    # The content and the manifest it is checked against: either changing rebuilds (and checks).
    origin = _sha256_file(database.path) + " " + json.dumps(database.manifest, sort_keys=True)
    if target.exists() and marker.exists() and marker.read_text().strip() == origin:
        return location, target
    if database.path.name.endswith(".sql.gz"):
        sqlite_build_from_dump(database.path, target, database.manifest)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(database.path, tmp)
        os.replace(tmp, target)
    marker.write_text(origin)
    return location, target


# --- scoring (the corpus README's rule) ---------------------------------------------------------


def _cell(value: Any, places: int) -> Any:
    if isinstance(value, float) and math.isfinite(value):
        value = round(value, places)
        return int(value) if value == int(value) else value
    return value


def normalize(rows: Iterable[Sequence[Any]], places: int = 4) -> list[tuple]:
    """Rows as a sorted list of tuples with floats rounded: the multiset a result is compared as."""
    return sorted((tuple(_cell(v, places) for v in row) for row in rows), key=repr)


def same_result(gold: Sequence[Sequence[Any]], pred: Sequence[Sequence[Any]]) -> bool:
    """Same multiset of rows, row order ignored; a permutation of the columns is accepted."""
    a, b = normalize(gold), normalize(pred)
    if a == b:
        return True
    if not a or not b or len(a) != len(b) or len(a[0]) != len(b[0]):
        return False

    def columns(rows: list[tuple]) -> list[tuple]:
        return sorted(tuple(sorted(map(repr, col))) for col in zip(*rows, strict=True))

    return columns(a) == columns(b)


@dataclass(frozen=True)
class Gold:
    """A case's gold rows (and, when it is tie-dependent, every row that may appear)."""

    rows: list[tuple]
    ties: list[tuple] | None = None


def accepts(case: ForeignCase, gold: Gold, pred: Sequence[Sequence[Any]]) -> bool:
    """The strict rule: True when `pred` answers the case (the README's `accepts`)."""
    if case.expect == "clarify":
        return False
    if same_result(gold.rows, pred):
        return True
    if not case.tie_dependent or gold.ties is None:
        return False
    if same_result(gold.ties, pred):
        return True
    pool = {tuple(sorted(map(repr, row))) for row in normalize(gold.ties)}
    rows = normalize(pred)
    return (
        bool(rows)
        and len(rows) == len(gold.rows)
        and all(tuple(sorted(map(repr, r))) in pool for r in rows)
    )


def accepts_lenient(case: ForeignCase, gold: Gold, pred: Sequence[Sequence[Any]]) -> bool:
    """The lenient rule: some choice of the answer's columns, as many as the gold's, is accepted
    by the strict rule (extra columns are allowed, missing ones are not)."""
    if accepts(case, gold, pred):
        return True
    if case.expect == "clarify" or not pred or not gold.rows:
        return False
    width, have = len(gold.rows[0]), len(pred[0])
    if have <= width:
        return False
    for index, chosen in enumerate(itertools.combinations(range(have), width)):
        if index >= _MAX_PROJECTIONS:
            return False
        if accepts(case, gold, [tuple(row[i] for i in chosen) for row in pred]):
            return True
    return False


def _run_readonly(con: sqlite3.Connection, sql: str) -> list[tuple]:
    deadline = time.monotonic() + QUERY_SECONDS
    con.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.set_progress_handler(None, 0)


def gold_rows(con: sqlite3.Connection, case: ForeignCase) -> Gold:
    ties = _run_readonly(con, case.gold_sql_all_ties) if case.tie_dependent else None
    return Gold(rows=_run_readonly(con, case.gold_sql), ties=ties)


def classify(
    case: ForeignCase, answer: dict[str, Any], gold: Gold | None, pred: list[tuple] | None
) -> tuple[str, bool, bool, str]:
    """(outcome, right strict, right lenient, reason) of one answer."""
    kind = answer.get("type")
    code = (answer.get("error") or {}).get("code", "")
    if kind == "CLARIFY":
        if case.expect == "clarify":
            return "right", True, True, "asked back, as the case expects"
        return "asked_back", False, False, "asked back"
    if kind == "REFUSED":
        return "refused", False, False, f"refused: {code}"
    if kind == "ERROR":
        return "error", False, False, f"error: {code}"
    if kind == "RAG":
        return "doc_answer", False, False, "a documentation answer to a data question"
    if case.expect == "clarify":
        return "confidently_wrong", False, False, "a table where the data cannot answer"
    if pred is None or gold is None:
        return "error", False, False, "the product's SQL could not be re-executed"
    if accepts(case, gold, pred):
        return "right", True, True, ""
    if accepts_lenient(case, gold, pred):
        return "right_lenient", False, True, "right with extra columns"
    return "confidently_wrong", False, False, "rows differ from the gold"


# --- a semantic layer (optional) --------------------------------------------------------------


@dataclass(frozen=True)
class SemanticLayer:
    """A semantic-layer file (docs/semantic-layer.md) read for an evaluation org: its name, its
    text and the checked model. Applied with the product's own importer, exactly as
    `manage.py knowledge import` applies it."""

    name: str
    text: str
    data: SemanticFile


def semantic_layer_load(path: str | Path) -> SemanticLayer:
    """Read and check the shape of a semantic-layer file (ValueError names each problem's line
    and path); the names are checked against the database when it is applied."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data, _ = semantic_file_parse(text, name=path.name)  # SemanticFileError is a ValueError
    return SemanticLayer(name=path.name, text=text, data=data)


# --- the run ------------------------------------------------------------------------------------


def foreign_org_slug(name: str, suffix: str = "") -> str:
    return slugify(f"foreign-{name}{'-' + suffix if suffix else ''}".replace("_", "-"))


def foreign_org_prepare(
    database: ForeignDatabase, *, variant: str = "", semantic: SemanticLayer | None = None
) -> Membership:
    """The evaluation org of a database, created or brought up to date (idempotent): the SQLite
    file in place, the default data source, the catalog refreshed from the file, and the
    evaluation user. Returns that user's membership. A `variant` is an org of its own
    (`foreign-<db>-<variant>`), e.g. one whose steward imported a semantic layer, so the
    schema-only org stays schema-only.

    The catalog and metrics are rebuilt on every run, so the org holds exactly the schema plus
    `semantic` (when given), never what an earlier run or a steward's edit left there.

    The user is an ANALYST whose org policy is widened to every table, no mask and no row
    filter, so the figure measures the engine, not a policy (a customer's analysts would lose
    the tables and columns their admin withholds)."""
    slug = foreign_org_slug(database.name, variant)
    username = f"{slug}-{EVALUATION_USER_SUFFIX}"
    # The policy below is widened to everything: never do that to an org real people use.
    others = Membership.all_tenants.filter(organization__slug=slug).exclude(user__username=username)
    if others.exists():
        raise ValueError(f"the org {slug} has members other than {username}: not an evaluation org")
    location, _ = database_place(database, slug)
    with transaction.atomic():
        org = organization_create(name=f"Foreign database {database.name}", slug=slug)
        AccessPolicy.all_tenants.for_org(org).filter(role=Role.ANALYST).update(
            allowed_tables=["*"], masked_columns=[], row_filters=[], can_query_data=True
        )
        membership, _ = membership_create(
            org=org,
            username=username,
            password=hashlib.sha256(os.urandom(32)).hexdigest(),
            role=Role.ANALYST,
        )
        source = datasource_create(
            org=org,
            name=database.name,
            kind=DataSource.Kind.SQLITE,
            location=location,
            display_name=f"{database.name} · SQLite",
            is_default=True,
            restricted=False,
        )
    with transaction.atomic():
        CatalogTable.all_tenants.filter(data_source=source).delete()
        CatalogForeignKey.all_tenants.filter(data_source=source).delete()
        Metric.all_tenants.filter(data_source=source).delete()
        VerifiedExample.all_tenants.filter(data_source=source).delete()
        Document.all_tenants.for_org(org).delete()
        catalog_refresh(data_source=source)
        if semantic is not None:
            semantic_layer_import(
                data_source=source, text=semantic.text, channel="eval", name=semantic.name
            )
    membership.refresh_from_db()
    return membership


@dataclass
class ForeignResult:
    database: str
    case: ForeignCase
    answer_type: str
    outcome: str
    right: bool
    right_lenient: bool
    reason: str
    ms: float
    sql: str | None = None
    answer_text: str = ""
    columns: list[str] = field(default_factory=list)
    rows_returned: int | None = None
    gold_rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "id": self.case.id,
            "lang": self.case.lang,
            "question": self.case.question,
            "expect": self.case.expect,
            "outcome": self.outcome,
            "right": self.right,
            "right_lenient": self.right_lenient,
            "type": self.answer_type,
            "answer": self.answer_text[:500],
            "reason": self.reason,
            "sql": self.sql,
            "columns": self.columns,
            "rows_returned": self.rows_returned,
            "gold_sql": self.case.gold_sql,
            "gold_rows": self.gold_rows,
            "ms": round(self.ms, 1),
        }


def evaluate_foreign(
    database: ForeignDatabase, cases: Sequence[ForeignCase], membership: Membership
) -> Iterator[ForeignResult]:
    """Ask each case as the evaluation user and score it; one result per case, in order."""
    path = datasource_get(org=membership.organization, name=database.name).location()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    con.text_factory = lambda b: b.decode("utf-8", errors="replace")
    try:
        for case in cases:
            started = time.perf_counter()
            answer = ask(membership=membership, question=case.question, channel="eval")
            ms = (time.perf_counter() - started) * 1000
            gold: Gold | None = None
            pred: list[tuple] | None = None
            try:
                gold = gold_rows(con, case)
            except sqlite3.Error as exc:
                yield ForeignResult(
                    database.name, case, answer["type"], "error", False, False,
                    f"the gold SQL failed: {exc}", ms, answer.get("sql"),
                )  # fmt: skip
                continue
            sql = answer.get("sql")
            if answer["type"] in DATA_ANSWER_TYPES and sql:
                try:
                    pred = _run_readonly(con, sql)
                except sqlite3.Error:
                    pred = None
            outcome, right, lenient, reason = classify(case, answer, gold, pred)
            yield ForeignResult(
                database=database.name,
                case=case,
                answer_type=answer["type"],
                answer_text=answer.get("answer") or "",
                outcome=outcome,
                right=right,
                right_lenient=lenient,
                reason=reason,
                ms=ms,
                sql=sql,
                columns=list(answer.get("columns") or []),
                rows_returned=None if pred is None else len(pred),
                gold_rows=len(gold.rows),
            )
    finally:
        con.close()


# --- the summary --------------------------------------------------------------------------------


@dataclass
class ForeignSummary:
    results: list[ForeignResult] = field(default_factory=list)

    def groups(self) -> list[tuple[str, str]]:
        return list(dict.fromkeys((r.database, r.case.lang) for r in self.results))

    def counts(self, database: str | None = None, lang: str | None = None) -> dict[str, int]:
        chosen = [
            r
            for r in self.results
            if database in (None, r.database) and lang in (None, r.case.lang)
        ]
        outcomes = Counter(r.outcome for r in chosen)
        return {
            "n": len(chosen),
            "right_strict": sum(r.right for r in chosen),
            "right_lenient": sum(r.right_lenient for r in chosen),
            **{o: outcomes[o] for o in OUTCOMES if o not in ("right", "right_lenient")},
        }

    @property
    def accuracy(self) -> float:
        return sum(r.right for r in self.results) / len(self.results) if self.results else 1.0


COLUMNS = (
    ("right_strict", "right"),
    ("right_lenient", "lenient"),
    ("asked_back", "asked back"),
    ("refused", "refused"),
    ("error", "error"),
    ("doc_answer", "doc answer"),
    ("confidently_wrong", "conf. wrong"),
)


def _cell_text(count: int, n: int) -> str:
    return f"{count} ({count / n:.1%})" if n else "0"


def foreign_summary_table(summary: ForeignSummary) -> str:
    """Per database and language: n, right (strict, lenient), asked back, refused, error,
    documentation answers, confidently wrong; counts and shares. A total row per language."""
    header = ("database", "lang", "n", *(label for _, label in COLUMNS))
    lines = []
    for database, lang in summary.groups():
        lines.append((database, lang, summary.counts(database, lang)))
    languages = list(dict.fromkeys(lang for _, lang in summary.groups()))
    if len(summary.groups()) > 1:
        for lang in languages:
            lines.append(("TOTAL", lang, summary.counts(None, lang)))
    table = [header] + [
        (db, lang, str(c["n"]), *(_cell_text(c[key], c["n"]) for key, _ in COLUMNS))
        for db, lang, c in lines
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    text = [
        "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in table
    ]
    legend = (
        "right: the rows of the gold (strict); lenient: also with extra columns; conf. wrong: a "
        "table whose rows differ from the gold (no hedge)"
    )
    return "\n".join([rule, text[0], rule, *text[1:], rule, legend])
