"""The layering of docs/architecture.md, checked by import-linter in the suite and `make lint`.

Contracts live in pyproject.toml ([tool.importlinter]): chat -> knowledge -> governance, engines
import no Django/DRF/Celery, and only the governance executor and its dialect adapters open
connections to data sources.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def lint_imports() -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("import-linter is not installed: it is in requirements-dev.txt")
    return subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_every_import_contract_is_kept():
    result = lint_imports()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout
    assert " KEPT" in result.stdout


def test_llm_and_embeddings_settings_come_from_django_settings_only():
    # The operator's variables are read once, by the settings module; no app module reads the
    # LLM or embeddings configuration from os.environ behind the settings' back.
    import re

    offenders = []
    for base in ("apps", "datachat/providers"):
        for path in (ROOT / base).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if re.search(r"os\.(environ|getenv)[^\n]*(OPENAI_|DATACHAT_LLM|DATACHAT_EMBED)", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


def test_every_document_a_comment_cites_is_in_the_repository():
    # A newcomer following a pointer in the code finds the file: docs/ holds what they need.
    import re

    cited = re.compile(r"(?<![\w/.\-\"'])((?:docs/|deploy/)?[\w\-]+\.md)\b")
    missing = set()
    for base in ("apps", "datachat", "templates", "tests", "static/js"):
        for path in (ROOT / base).rglob("*"):
            if path.suffix not in {".py", ".html", ".js", ".txt"} or "vendor" in path.parts:
                continue
            for name in cited.findall(path.read_text(encoding="utf-8", errors="replace")):
                if not (ROOT / name).exists():
                    missing.add(f"{path.relative_to(ROOT)} → {name}")
    assert not missing, sorted(missing)


def test_every_document_the_docs_cite_is_in_the_repository():
    # The same for the docs and READMEs themselves (a name relative to the citing file or the
    # repository root); a path into another checkout (`../shared/…`) or a URL is not a citation.
    import re

    cited = re.compile(r"(?<![\w/.\-\"'])((?:docs/|deploy/|tests/[\w/\-]+/)?[\w\-]+\.md)\b")
    missing = set()
    sources = [*(ROOT / "docs").rglob("*.md"), *ROOT.glob("*.md"), *(ROOT / "tests").rglob("*.md")]
    for path in sources:
        for name in cited.findall(path.read_text(encoding="utf-8", errors="replace")):
            if not ((ROOT / name).exists() or (path.parent / name).exists()):
                missing.add(f"{path.relative_to(ROOT)} → {name}")
    assert not missing, sorted(missing)
