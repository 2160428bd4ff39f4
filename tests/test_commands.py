"""The contract's commands as a user runs them: fresh data dir, migrate, seed, ask, query."""

from __future__ import annotations

import json

import pytest

from tests.support.services import manage_runner


@pytest.fixture(scope="module")
def cli(tmp_path_factory):  # noqa: ANN001, ANN201
    data_dir = tmp_path_factory.mktemp("cli-data")
    run = manage_runner(DATACHAT_DATA_DIR=str(data_dir))
    run("migrate", "--noinput")
    seeded = run("seed_demo", "--rows", "3000")
    run.seed_output = seeded.stdout  # type: ignore[attr-defined]
    run.data_dir = data_dir  # type: ignore[attr-defined]
    return run


def test_seed_prints_progress_and_the_demo_password(cli):
    assert "datachat-demo" in cli.seed_output
    assert "%" in cli.seed_output  # progress
    again = cli("seed_demo", "--rows", "3000")
    assert "nothing changed" in again.stdout


def test_ask_json_prints_the_answer_object(cli):
    result = cli(
        "ask",
        "--org",
        "acme",
        "--user",
        "analista",
        "--json",
        "¿Cuál fue el total de ventas por región?",
    )
    answer = json.loads(result.stdout)
    assert answer["type"] == "SQL" and len(answer["rows"]) == 4
    visor = json.loads(
        cli(
            "ask",
            "--org",
            "acme",
            "--user",
            "visor",
            "--json",
            "¿Cuál fue el total de ventas por región?",
        ).stdout
    )
    assert [row[0] for row in visor["rows"]] == ["Norte"]
    auditor = cli(
        "ask", "--org", "acme", "--user", "auditor", "--json", "Total de ventas", check=False
    )
    assert auditor.returncode == 0
    assert json.loads(auditor.stdout)["type"] == "REFUSED"


def test_ask_batch_prints_jsonl_in_order(cli, tmp_path):
    questions = ["Top 3 productos por ingresos", "¿Y eso qué?", "", "Número de pedidos por canal"]
    batch = tmp_path / "q.txt"
    batch.write_text("\n".join(questions), encoding="utf-8")
    result = cli("ask", "--org", "acme", "--user", "analista", "--json", "--batch", str(batch))
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["type"] for a in lines] == ["SQL", "CLARIFY", "SQL"]
    assert len({a["conversation_id"] for a in lines}) == 3  # each in a fresh conversation


def test_query_single_and_batch(cli, tmp_path):
    single = json.loads(
        cli(
            "query", "--org", "acme", "--user", "analista", "--json", "SELECT COUNT(*) FROM ventas"
        ).stdout
    )
    assert single["rows"] == [[3000]] and single["intent"] is None
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        json.dumps({"sql": "SELECT region,\n COUNT(*) FROM ventas GROUP BY region"})
        + "\n"
        + json.dumps({"sql": "DROP TABLE ventas"})
        + "\n"
        + "not json\n",
        encoding="utf-8",
    )
    result = cli("query", "--org", "acme", "--user", "analista", "--json", "--batch", str(batch))
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["type"] for a in answers] == ["SQL", "REFUSED", "ERROR"]
    assert answers[2]["error"]["code"] == "bad_input"


@pytest.mark.parametrize(
    "args",
    [
        ("ask", "--org", "nope", "--user", "analista", "--json", "hola"),
        ("ask", "--org", "acme", "--user", "nadie", "--json", "hola"),
        ("ask", "--org", "acme", "--user", "globex_analyst", "--json", "hola"),
        ("ask", "--org", "acme", "--user", "analista", "--json"),
        ("query", "--org", "acme", "--user", "analista", "--json"),
    ],
)
def test_unusable_arguments_exit_non_zero_with_one_line(cli, args):
    result = cli(*args, check=False)
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_drf_create_token_prints_a_hashed_token_that_authenticates(cli):
    # The contract's `drf_create_token USERNAME`, now a knox token: printed once, stored hashed.
    result = cli("drf_create_token", "analista")
    line = result.stdout.strip()
    assert line.startswith("Generated token ") and line.endswith(" for user analista")
    key = line.split()[2]
    check = cli(
        "shell",
        "-c",
        "from apps.governance.api_tokens import ApiTokenAuthentication as A; "
        "from apps.governance.models import ApiToken as T; "
        f"print(A().authenticate_credentials(b'{key}')[0].username, "
        f"T.objects.filter(digest='{key}').exists())",
    )
    assert check.stdout.strip().splitlines()[-1].split() == ["analista", "False"]
    missing = cli("drf_create_token", "ghost", check=False)
    assert missing.returncode != 0 and "does not exist" in missing.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("ask", "--org", "acme", "--user", "analista", "hola"),
        ("evaluate", "--corpus", "tests/eval/foreign", "--only", "car_1", "--totals-only"),
    ],
)
def test_a_command_on_a_database_never_migrated_says_to_migrate_in_one_line(tmp_path, args):
    # A new DATACHAT_DATA_DIR (or a new PostgreSQL database): one line naming the fix, not a
    # traceback about a missing table.
    run = manage_runner(DATACHAT_DATA_DIR=str(tmp_path))
    result = run(*args, check=False)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "manage.py migrate" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
