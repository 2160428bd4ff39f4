"""`manage.py evaluate` on a foreign database: the harness, not the engine's accuracy.

car_1 (Spider 1.0, CC BY-SA 4.0: tests/eval/foreign/README.md) is built from its dump into the
data directory, an evaluation org is prepared for it, and a handful of cases (some taken from its
questions, some made to exercise one scoring rule each) go through the real pipeline. The
accuracy itself will change as the engine learns foreign schemas; what must not change is that
every case gets exactly one outcome, by the corpus README's rules.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.chat.evaluation_foreign import (
    OUTCOMES,
    ForeignCase,
    Gold,
    accepts,
    accepts_lenient,
    load_foreign_cases,
    normalize,
)
from apps.governance.models import AccessPolicy, Membership, Organization
from apps.knowledge.models import CatalogTable, DataSource

ROOT = Path(__file__).resolve().parent.parent
CAR_1 = ROOT / "tests/eval/foreign/car_1"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_answer_cache():
    from django.core.cache import cache

    yield
    cache.clear()


def _case(case_id: str, question: str, gold_sql: str, **extra) -> str:  # noqa: ANN003
    return json.dumps({"id": case_id, "question": question, "gold_sql": gold_sql, **extra})


@pytest.fixture
def car_cases(tmp_path: Path) -> Path:
    """Two of car_1's own cases and three made for one rule each."""
    own = {
        json.loads(line)["id"]: line
        for line in (CAR_1 / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    }
    lines = [
        own["car_1-0087"],  # "How many continents are there?": a count the engine answers
        own["car_1-0088"],
        # The same question against another table's count: the table shown is wrong.
        _case("wrong-1", "How many continents are there?", "SELECT count(*) FROM countries"),
        # A clarify case: the right behaviour is to ask; a nonsense word makes the engine ask.
        _case(
            "clarify-asks",
            "How many zorblaxes are there?",
            "SELECT count(*) FROM continents WHERE 0",
            expect="clarify",
        ),
        # A clarify case answered with a table: wrong, whatever the rows.
        _case(
            "clarify-answered",
            "How many continents are there?",
            "SELECT count(*) FROM continents WHERE 0",
            expect="clarify",
        ),
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _evaluate(*args: str) -> str:
    out = io.StringIO()
    call_command("evaluate", *args, stdout=out)
    return out.getvalue()


def test_evaluate_scores_each_case_once_by_the_corpus_rules(car_cases, tmp_path):
    results_file = tmp_path / "results.jsonl"
    text = _evaluate(
        "--database",
        str(CAR_1 / "car_1.sql.gz"),
        "--cases",
        str(car_cases),
        "--output",
        str(results_file),
    )
    results = {
        r["id"]: r for r in map(json.loads, results_file.read_text(encoding="utf-8").splitlines())
    }
    assert len(results) == 5 and all(r["outcome"] in OUTCOMES for r in results.values())
    assert results["car_1-0087"]["outcome"] == "right" and results["car_1-0087"]["right"]
    assert results["wrong-1"]["type"] == "SQL"
    assert results["wrong-1"]["outcome"] == "confidently_wrong"
    assert not results["wrong-1"]["right_lenient"]
    assert results["clarify-asks"]["type"] == "CLARIFY"
    assert results["clarify-asks"]["outcome"] == "right"
    assert results["clarify-answered"]["outcome"] == "confidently_wrong"
    # The table: one line for car_1 in English whose counts add up to n.
    line = next(row for row in text.splitlines() if row.startswith("car_1"))
    cells = line.split()
    assert cells[1] == "en" and cells[2] == "5"
    counts = [int(cell) for cell in cells[3:] if cell.isdigit()]
    right_strict, right_lenient, *others = counts
    assert right_lenient + sum(others) == 5
    assert right_strict == sum(r["right"] for r in results.values())
    assert "[car_1   1/5]" in text  # progress while running


def test_the_evaluation_org_sees_every_table_unmasked_and_a_rerun_changes_nothing(car_cases):
    _evaluate("--database", str(CAR_1 / "car_1.sql.gz"), "--cases", str(car_cases))
    _evaluate("--database", str(CAR_1 / "car_1.sql.gz"), "--cases", str(car_cases))
    org = Organization.objects.get(slug="foreign-car-1")
    source = DataSource.all_tenants.get(organization=org)
    assert source.name == "car_1" and source.is_default
    # Where SQLite data sources live: DATACHAT_DATA_DIR/sources/<org-slug>/.
    assert Path(source.location()) == Path(settings.DATA_DIR) / "sources/foreign-car-1/car_1.db"
    assert Path(source.location()).is_file()
    assert CatalogTable.all_tenants.filter(data_source=source).count() == 6
    membership = Membership.all_tenants.get(organization=org)
    policy = AccessPolicy.all_tenants.get(organization=org, role=membership.role)
    assert policy.allowed_tables == ["*"] and policy.masked_columns == []
    assert policy.row_filters == []
    assert Organization.objects.filter(slug__startswith="foreign-car-1").count() == 1
    # A variant (say, with a semantic layer imported) is an org of its own.
    _evaluate(
        "--database", str(CAR_1 / "car_1.sql.gz"), "--cases", str(car_cases), "--variant", "sl"
    )
    assert DataSource.all_tenants.filter(organization__slug="foreign-car-1-sl").count() == 1


def test_totals_only_prints_no_case_and_lang_selects_the_cases(car_cases, tmp_path):
    spanish = tmp_path / "es.jsonl"
    spanish.write_text(
        car_cases.read_text(encoding="utf-8")
        + _case("car_1-0087-es", "¿Cuántos continentes hay?", "SELECT count(*) FROM CONTINENTS;")
        + "\n",
        encoding="utf-8",
    )
    text = _evaluate(
        "--database", str(CAR_1 / "car_1.sql.gz"), "--cases", str(spanish), "--totals-only"
    )
    assert "car_1-00" not in text and "continents" not in text.lower()
    assert any(row.startswith("car_1") and " es " in row for row in text.splitlines())
    assert any(row.startswith("TOTAL") for row in text.splitlines())
    only_es = _evaluate(
        "--database", str(CAR_1 / "car_1.sql.gz"), "--cases", str(spanish), "--lang", "es"
    )
    assert "[car_1   1/1]" in only_es and "car_1-0087-es" in only_es
    with pytest.raises(CommandError, match="totals-only"):
        _evaluate(
            "--database",
            str(CAR_1 / "car_1.sql.gz"),
            "--cases",
            str(spanish),
            "--totals-only",
            "--json",
        )


def test_an_org_with_other_members_is_never_widened_into_an_evaluation_org(car_cases):
    from apps.governance.models import Role
    from apps.governance.services import membership_create, organization_create

    org = organization_create(name="Real people", slug="foreign-car-1")
    membership_create(org=org, username="real-analyst", password="x" * 20, role=Role.ANALYST)
    before = AccessPolicy.all_tenants.get(organization=org, role=Role.ANALYST).allowed_tables
    with pytest.raises(CommandError, match="not an evaluation org"):
        _evaluate("--database", str(CAR_1 / "car_1.sql.gz"), "--cases", str(car_cases))
    policy = AccessPolicy.all_tenants.get(organization=org, role=Role.ANALYST)
    assert policy.allowed_tables == before != ["*"]
    assert not DataSource.all_tenants.filter(organization=org).exists()


def test_a_dump_that_differs_from_its_manifest_is_refused(tmp_path):
    (tmp_path / "car_1.sql.gz").write_bytes((CAR_1 / "car_1.sql.gz").read_bytes())
    manifest = json.loads((CAR_1 / "manifest.json").read_text(encoding="utf-8"))
    manifest["sql_sha256"] = "0" * 64
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="sha256"):
        _evaluate(
            "--database",
            str(tmp_path / "car_1.sql.gz"),
            "--cases",
            str(CAR_1 / "questions.jsonl"),
        )
    with pytest.raises(CommandError, match="--cases"):
        _evaluate("--database", str(CAR_1 / "car_1.sql.gz"))


def test_every_corpus_case_loads_with_its_language():
    for folder in sorted((ROOT / "tests/eval/foreign").glob("*/questions.jsonl")):
        cases = load_foreign_cases(folder)
        assert cases and all(c.lang in ("en", "es") for c in cases)
        assert all(c.lang == "es" for c in cases if c.id.endswith("-es"))


# --- the comparison rules, on plain rows ---------------------------------------------------------


def _plain(**kwargs) -> ForeignCase:  # noqa: ANN003
    return ForeignCase(id="x", question="q", gold_sql="SELECT 1", **kwargs)


def test_rows_compare_as_multisets_with_floats_to_four_places_in_any_column_order():
    gold = Gold(rows=[("France", 1.23456), ("Spain", 2)])
    assert accepts(_plain(), gold, [(2.0, "Spain"), (1.23461, "France")])
    assert not accepts(_plain(), gold, [("France", 1.2346)] * 2)  # a multiset, not a set
    assert not accepts(_plain(), gold, [("France", 1.23456)])
    assert normalize([(1.0,), (0.33333333,)]) == [(0.3333,), (1,)]


def test_ties_accept_any_rows_drawn_from_the_tied_ones_and_clarify_accepts_no_rows():
    tied = _plain(tie_dependent=True, gold_sql_all_ties="SELECT 2")
    gold = Gold(rows=[("a",)], ties=[("a",), ("b",), ("c",)])
    assert accepts(tied, gold, [("b",)])
    assert accepts(tied, gold, [("a",), ("b",), ("c",)])
    assert not accepts(tied, gold, [("a",), ("b",)])
    assert not accepts(tied, gold, [("z",)])
    assert not accepts(_plain(expect="clarify"), Gold(rows=[]), [])


def test_the_lenient_score_allows_extra_columns_but_not_missing_ones():
    gold = Gold(rows=[("France",), ("Spain",)])
    answer = [(1, "France", 67.4), (2, "Spain", 47.4)]
    assert not accepts(_plain(), gold, answer)
    assert accepts_lenient(_plain(), gold, answer)
    assert not accepts_lenient(_plain(), Gold(rows=[("France", 1, 9)]), [("France", 1)])


SEMANTIC = """
tables:
  cars_data:
    description: One row per car, with its technical data
    synonyms: [car, cars, coches]
metrics:
  - {name: Number of cars, expression: COUNT(*), table: cars_data, synonyms: [number of cars]}
"""


def test_a_semantic_layer_is_applied_in_its_own_org_and_only_while_given(tmp_path):
    from apps.knowledge.models import Metric

    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        _case("cars", "How many cars are there?", "SELECT count(*) FROM cars_data") + "\n",
        encoding="utf-8",
    )
    layer = tmp_path / "car_1.yaml"
    layer.write_text(SEMANTIC, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    dump = str(CAR_1 / "car_1.sql.gz")

    def outcome(*extra: str) -> str:
        _evaluate("--database", dump, "--cases", str(cases), "--output", str(out), *extra)
        return json.loads(out.read_text(encoding="utf-8"))["outcome"]

    # Given the schema only, "cars" names nothing; with a steward's synonym it is cars_data.
    assert outcome() == "asked_back"
    assert outcome("--semantic", str(layer)) == "right"
    table = CatalogTable.all_tenants.get(
        data_source__organization__slug="foreign-car-1-semantic", name="cars_data"
    )
    assert table.synonyms == ["car", "cars", "coches"]
    assert Metric.all_tenants.filter(data_source=table.data_source).count() == 1
    # The schema-only org kept no annotation, and a run without the file resets the variant.
    assert not CatalogTable.all_tenants.get(
        data_source__organization__slug="foreign-car-1", name="cars_data"
    ).synonyms
    assert outcome("--variant", "semantic") == "asked_back"
    assert not Metric.all_tenants.filter(data_source=table.data_source).exists()
    # A file naming what the schema lacks is refused, before anything changes.
    layer.write_text("tables:\n  trucks: {description: none here}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no table trucks"):
        outcome("--semantic", str(layer))
    layer.write_text("tables: [1, 2]\nextra: 1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2: extra: unknown key"):
        outcome("--semantic", str(layer))
    layer.write_text("tables: [1, 2]\n", encoding="utf-8")
    with pytest.raises(CommandError, match="mapping"):
        outcome("--semantic", str(layer))


# Floors of the foreign dev databases (world_1, car_1, sakila; the held-out dog_kennels is never
# run here), measured with the offline engine: right answers may only rise and confidently wrong
# ones only fall, per run. Raise them when the engine gets better (docs/evaluation-foreign.md).
FOREIGN_FLOORS = {
    # (lang, semantic layer): (min right strict, max confidently wrong); measured 199, 134, 84,
    # 55 (two below: a query near the 5 s limit on a loaded machine is an error, not right)
    ("en", True): (197, 0),
    ("en", False): (132, 0),
    ("es", True): (82, 0),
    ("es", False): (53, 0),
}
# The fresh Spider dev databases (docs/evaluation-foreign.md): first measured 32 and 31 right
# with 4 and 9 confidently wrong; now 100 and 88 with none (one below each, for a slow query).
FRESH_DEV = ("battle_death", "employee_hire_evaluation", "orchestra", "poker_player")
FRESH_FLOORS = {True: (103, 0), False: (94, 0)}  # session 29: 104 and 95
# Four more fresh Spider dev databases, added later (docs/evaluation-foreign.md, "More fresh Spider
# dev databases"): first measured 59 and 45 right with 24 and 11
# confidently wrong (with and without the semantic layer); then 113 and 77 with 1 and 1; now 140
# and 127 with 1 and 1; h-risk: 137 and 123 (a listing that opens with its columns lists the
# rows' label too: right -> lenient, none wrong). A high schooler's first name and the names
# credited in a cartoon's `Directed_by` / `Written_by` are personal data (h-pii), never
# value-indexed: "What grade is Kyle in?" and "cartoons written by Joseph Kuhr" read them as said
# values (literals.name_rows).
MORE_FRESH_DEV = ("concert_singer", "network_1", "singer", "tvshow")
MORE_FRESH_FLOORS = {True: (140, 1), False: (133, 1)}  # session 29: 141 and 134
MAX_WRONG_SHARE = 0.03  # the target, per database
# The second group of fresh Spider dev databases, first measured (base 7f3402c) 24 and 19 right
# with 10 and 7 confidently wrong, then 98 and 78 with 0 and 1; h-risk: 93 and 75 (code words
# and a key said by another table's column keep the count or the label beside them: right ->
# lenient, none wrong). The ceiling only records the measurement, the target is 0.
FRESH_DEV_2 = ("cre_Doc_Template_Mgt", "student_transcripts_tracking")
FRESH_FLOORS_2 = {True: (94, 0), False: (74, 1)}  # session 29: 95 and 75
# Six Spider train databases (docs/evaluation-foreign.md, "Third group: Spider train databases");
# the held-out three (loan_1, medicine_enzyme_interaction, storm_record) are never run here. The
# dev three were first measured (base 332f51b) 36 and 37 right with 9 and 13 confidently wrong,
# then 74 and 67 with 0 and 1; h-risk: the one wrong (gas_company-009, an aggregate over groups
# of one row) is asked back.
TRAIN_DEV = ("gas_company", "match_season", "news_report")
TRAIN_FLOORS = {True: (79, 0), False: (70, 0)}  # session 29: 80 and 71
# Eight more Spider train databases (docs/evaluation-foreign.md, "Fourth group"); the held-out four
# (climbing, machine_repair, roller_coaster, ship_mission) are never run here. The dev four were
# first measured (base 1b0f166) 52 and 48 right with 3 and 2 confidently wrong; now 72 and 64
# with none (floors one below, for a slow query).
TRAIN_DEV_2 = ("cinema", "farm", "perpetrator", "school_bus")
TRAIN_FLOORS_2 = {True: (73, 0), False: (72, 0)}  # session 29: 74 and 73
# A fifth group of Spider train databases (docs/evaluation-foreign.md, "Fifth group"); the held-out
# five (browser_web, game_injury, phone_market, school_finance, wedding) are never run here. The
# dev five were first measured (base 9dd4eb1) 67 and 62 right with 4 and 7 confidently wrong (with
# and without the semantic layer); now 79 and 71 with none (floors one below).
TRAIN_DEV_3 = ("body_builder", "debate", "gymnast", "protein_institute", "theme_gallery")
TRAIN_FLOORS_3 = {True: (98, 0), False: (93, 0)}  # session 29: 99 and 94
# A sixth group of Spider train databases (docs/evaluation-foreign.md, "Sixth group"); the held-out
# four (book_2, company_employee, journal_committee, party_host) are never run here. The dev five
# were first measured (base b735794) 68 and 51 right with 7 and 5 confidently wrong (with and
# without the semantic layer); now 73 and 55 with 1 and 1 (floors one below; the target is 0).
TRAIN_DEV_4 = (
    "architecture",
    "candidate_poll",
    "county_public_safety",
    "entrepreneur",
    "manufacturer",
)
TRAIN_FLOORS_4 = {True: (77, 0), False: (75, 0)}  # session 29: 78 and 76, none wrong
# The seventh group (tests/eval/foreign/README.md, "Seventh group"): five Spider train databases,
# all dev, first measured (base aab5711) 75 and 62 right with 11 and 10 confidently wrong (with
# and without the semantic layer); after branch h-newdbs7's engine rules 87 and 72 right with
# none wrong; floors one below.
TRAIN_DEV_5 = (
    "election_representative",
    "mountain_photos",
    "musical",
    "pilot_record",
    "race_track",
)
TRAIN_FLOORS_5 = {True: (95, 0), False: (81, 0)}  # session 29 (all branches): 96 and 82
# The eighth group (tests/eval/foreign/README.md, "Eighth group"): four Spider train databases,
# all dev, first measured (base 0591c55) 55 and 43 right with 6 and 5 confidently wrong (with
# and without the semantic layer); after branch h-newdbs8's engine rules and one gold fix 58 and
# 46 right with 2 and 2 wrong (party_people-010/011: a minister listed once, the gold once per
# party; left as a known disagreement).
TRAIN_DEV_6 = ("coffee_shop", "local_govt_in_alabama", "party_people", "program_share")
TRAIN_FLOORS_6 = {True: (57, 2), False: (45, 2)}  # session 29: 58 and 46, 2 and 2 wrong


@pytest.mark.parametrize(("lang", "semantic"), sorted(FOREIGN_FLOORS))
def test_the_foreign_dev_databases_hold_their_floors(lang, semantic, tmp_path):
    out = tmp_path / "results.jsonl"
    args = ["--corpus", str(ROOT / "tests/eval/foreign"), "--lang", lang, "--output", str(out)]
    args += [arg for db in ("world_1", "car_1", "sakila") for arg in ("--only", db)]
    if semantic:
        args += ["--semantic", str(ROOT / "tests/eval/foreign/semantic")]
    _evaluate(*args)
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    right = sum(r["outcome"] == "right" for r in results)
    wrong = [r["id"] for r in results if r["outcome"] == "confidently_wrong"]
    min_right, max_wrong = FOREIGN_FLOORS[(lang, semantic)]
    assert right >= min_right, f"{right} right, floor {min_right}"
    assert len(wrong) <= max_wrong, wrong
    for database in ("world_1", "car_1", "sakila"):
        theirs = [r for r in results if r["database"] == database]
        if len(theirs) < 60:  # the 30 Spanish translations: one case is already 3.3%
            continue
        share = sum(r["outcome"] == "confidently_wrong" for r in theirs) / len(theirs)
        assert share <= MAX_WRONG_SHARE, (database, share)


@pytest.mark.parametrize("semantic", [True, False])
@pytest.mark.parametrize(
    ("databases", "floors"),
    [
        (FRESH_DEV, FRESH_FLOORS),
        (FRESH_DEV_2, FRESH_FLOORS_2),
        (MORE_FRESH_DEV, MORE_FRESH_FLOORS),
        (TRAIN_DEV, TRAIN_FLOORS),
        (TRAIN_DEV_2, TRAIN_FLOORS_2),
        (TRAIN_DEV_3, TRAIN_FLOORS_3),
        (TRAIN_DEV_4, TRAIN_FLOORS_4),
        (TRAIN_DEV_5, TRAIN_FLOORS_5),
        (TRAIN_DEV_6, TRAIN_FLOORS_6),
    ],
)
def test_the_fresh_dev_databases_hold_their_floors(databases, floors, semantic, tmp_path):
    out = tmp_path / "results.jsonl"
    args = ["--corpus", str(ROOT / "tests/eval/foreign"), "--lang", "en", "--output", str(out)]
    args += [arg for db in databases for arg in ("--only", db)]
    if semantic:
        args += ["--semantic", str(ROOT / "tests/eval/foreign/semantic")]
    _evaluate(*args)
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    right = sum(r["outcome"] == "right" for r in results)
    wrong = [r["id"] for r in results if r["outcome"] == "confidently_wrong"]
    min_right, max_wrong = floors[semantic]
    assert right >= min_right, f"{right} right, floor {min_right}"
    assert len(wrong) <= max_wrong, wrong


def test_paraphrases_ask_each_cases_spider_syn_question_and_skip_the_rest(tmp_path):
    path = tmp_path / "questions.jsonl"
    syn = {"spider_syn_question": "How many landmasses are there?"}
    path.write_text(
        _case("a", "How many continents are there?", "SELECT 1", provenance=syn)
        + "\n"
        + _case("b", "How many countries are there?", "SELECT 1", provenance={})
        + "\n",
        encoding="utf-8",
    )
    assert [c.id for c in load_foreign_cases(path)] == ["a", "b"]
    [case] = load_foreign_cases(path, paraphrases=True)
    assert (case.id, case.question) == ("a-syn", "How many landmasses are there?")


# Questions written for the project on the dev databases to find confidently wrong answers
# (tests/eval/foreign/probes/README.md, branch h-wrongprobe), one file per database: main after
# session 29's merges, 69 and 62 right, 1 and 0 confidently wrong (probe-singer-005, with the
# layer: "songs that sold more than the average" counted).
PROBES = ROOT / "tests/eval/foreign/probes"
PROBE_FLOORS = {True: (68, 1), False: (61, 0)}


@pytest.mark.parametrize("semantic", [True, False])
def test_the_wrong_answer_probe_holds_its_floors(semantic, tmp_path):
    results = []
    for cases in sorted(PROBES.glob("*.jsonl")):
        db = cases.stem
        out = tmp_path / f"{db}.jsonl"
        args = ["--database", str(ROOT / f"tests/eval/foreign/{db}/{db}.sql.gz")]
        args += ["--cases", str(cases), "--output", str(out)]
        if semantic:
            args += ["--semantic", str(ROOT / f"tests/eval/foreign/semantic/{db}.yaml")]
        _evaluate(*args)
        results += [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(results) == 150
    right = sum(r["outcome"] == "right" for r in results)
    wrong = [r["id"] for r in results if r["outcome"] == "confidently_wrong"]
    min_right, max_wrong = PROBE_FLOORS[semantic]
    assert right >= min_right, f"{right} right, floor {min_right}"
    assert len(wrong) <= max_wrong, wrong
